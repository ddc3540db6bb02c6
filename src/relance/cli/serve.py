"""`relance serve`: the web UI and API on a local address (gunicorn)."""

from __future__ import annotations

from typing import Any

import typer

from relance.cli.base import app, console, migrate, setup_django


def run_server(host: str, port: int, workers: int = 2) -> None:
    """Serve the WSGI application with gunicorn in this process (blocks)."""
    from gunicorn.app.base import BaseApplication

    from relance.wsgi import application

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": 4,
                "accesslog": "-",
                "timeout": 120,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    _Server().run()


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(2, help="Worker processes."),
    no_migrate: bool = typer.Option(False, "--no-migrate", help="Do not apply migrations first."),
) -> None:
    """Start the web UI and the API (applies pending migrations first)."""
    setup_django()
    if not no_migrate:
        migrate()
    console.print(f"relance on http://{host}:{port}/  (Ctrl+C stops)")
    run_server(host, port, workers)
