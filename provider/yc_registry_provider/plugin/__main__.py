"""``python -m yc_registry_provider.plugin <engine address>``: serve the native provider."""

from yc_registry_provider.plugin import main

if __name__ == "__main__":
    main()
