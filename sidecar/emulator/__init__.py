"""A CometChat emulator: a real HTTP server on loopback that speaks the wire contract.

Tests of the sidecar talk to it instead of CometChat, in-process (`Emulator`,
`EmulatorThread`) or standalone (`serve_forever`, used by the CLI).
"""

from sidecar.emulator.codes import ERRORS, ApiError
from sidecar.emulator.config import EmulatorConfig
from sidecar.emulator.server import Emulator, EmulatorThread, serve_forever

__all__ = ["ERRORS", "ApiError", "Emulator", "EmulatorConfig", "EmulatorThread", "serve_forever"]
