"""Running the simulator: as its own process (the CLI), or in a thread (tests)."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server, run_simple

from simulator.app import Simulator, create_simulator
from simulator.settings import SimulatorSettings


def serve(settings: SimulatorSettings, host: str, port: int) -> None:
    """Serve until interrupted."""
    run_simple(host, port, create_simulator(settings), threaded=True, use_reloader=False)


class RunningSimulator:
    """The simulator on a free loopback port, in a background thread."""

    def __init__(self, settings: SimulatorSettings, host: str = "127.0.0.1", port: int = 0) -> None:
        app = create_simulator(settings)
        self.simulator: Simulator = app.extensions["simulator"]
        self._server = make_server(host, port, app, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> RunningSimulator:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.simulator.stop()
        self._server.shutdown()
        self._thread.join(timeout=5)
