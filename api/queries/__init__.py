"""Read queries of the index, shared by the JSON API and the explorer pages."""
