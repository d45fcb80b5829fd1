"""Let pulumi's provider server and the yandexcloud operation stubs share one protobuf descriptor pool.

``pulumi/runtime/proto/status_pb2.py`` and googleapis' ``google/rpc/status_pb2.py`` both define
``google.rpc.Status`` (same full name, same fields, same wire format); whichever loads second fails with
"duplicate symbol". Importing this module first makes pulumi's module name resolve to the googleapis one.
It must run before anything imports ``pulumi.provider.experimental.server`` or the yandexcloud stubs.
"""

from __future__ import annotations

import sys

PULUMI_STATUS_MODULE = "pulumi.runtime.proto.status_pb2"


def install() -> None:
    """Alias pulumi's status_pb2 to ``google.rpc.status_pb2`` (idempotent)."""
    if PULUMI_STATUS_MODULE in sys.modules:
        return
    from google.rpc import status_pb2  # googleapis-common-protos

    sys.modules[PULUMI_STATUS_MODULE] = status_pb2
    import pulumi.runtime.proto as pulumi_proto  # the package itself does not load status_pb2

    setattr(pulumi_proto, "status_pb2", status_pb2)


install()

__all__ = ["PULUMI_STATUS_MODULE", "install"]
