"""The demo data of a music-streaming service's support, in English and Spanish."""
