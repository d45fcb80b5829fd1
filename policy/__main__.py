"""The yc-registry-images policy pack.

    pulumi preview --policy-pack policy

Policies and their config: see README.md next to this file.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pulumi_policy import PolicyPack  # noqa: E402

from yc_registry_policies import all_policies  # noqa: E402

PolicyPack(
    "yc-registry-images",
    policies=all_policies(),
    description="Checks for Yandex Cloud Container Registry images adopted with pulumi-yc-registry, "
                "and for references to the Container Registry that is being shut down.",
)
