"""The `clip-kg` command: its verbs, the SPARQL client, crawl, report, benchmark and serving."""
