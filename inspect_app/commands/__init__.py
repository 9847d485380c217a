"""CLI command modules (see inspect_app.cli)."""
