"""Dynamic providers (`pulumi.dynamic.ResourceProvider`): thin wrappers over `yc_registry_provider.lifecycle`.

Their module paths are a compatibility promise: stacks store them (pickled by reference) in `__provider`.
"""
