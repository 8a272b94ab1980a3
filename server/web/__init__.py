"""The web site: the Flask application factory, its blueprints, error handlers and templates."""
