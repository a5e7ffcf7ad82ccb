"""The server side of the HTTP benches, in a process of its own:
`python -m bench.server URL PORT` serves the product (`scic.api.app.create_app`) on
the database at URL; `python -m bench.server --bare PORT` serves a bare FastAPI app on
the same stack (uvicorn, uvloop, httptools), whose endpoints parse the same bodies and
answer without a token, a rule or a database: the floor of every HTTP figure."""

from __future__ import annotations

import sys
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.post("/bare", status_code=201)
    async def post(request: Request) -> Response:
        body = await request.json()
        return Response(b'{"ok":true,"n":%d}' % len(body), 201, media_type="application/json")

    @app.get("/bare")
    def get() -> dict[str, Any]:
        return {"ok": True}

    return app


def main(argv: list[str]) -> None:
    if argv[0] == "--bare":
        app: Any = bare_app()
        port = int(argv[1])
    else:
        from scic.api.app import create_app
        from scic.service import open_service

        app = create_app(open_service(argv[0]))
        port = int(argv[1])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(sys.argv[1:])
