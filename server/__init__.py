"""The CLIP knowledge graph: the build, the query engine, page models, the web site and the CLI.

The tree is the architecture; layers import downwards only (docs/architecture.md):

    cli   → kg, web, engine      the `clip-kg` verbs; the only code that prints or exits
    web   → views, engine        Flask app, blueprints, error handlers, templates
    views → engine               page models: names, kinds, citations, vocabulary, pictures
    kg    → engine               the build: parse, SHACL, OWL reasoning, places, dumps
    engine                       the one engine interface and its backend, the executor

and every layer may use the leaves: config, errors, formats, urls, namespaces.
"""
