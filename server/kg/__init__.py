"""The build: parse the curated Turtle, validate it with SHACL, reason with HermiT, write dumps."""
