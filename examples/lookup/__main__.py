"""The newest image of a repository and its pull URI, as you would feed it to a serverless container."""

import pulumi

import pulumi_yc_registry as yc

config = pulumi.Config()
repository = config.require("repository")

newest = yc.get_image(repository_name=repository, most_recent=True)
everything = yc.get_images(repository_name=repository)

# e.g. pulumi_yandex.ServerlessContainer("app", image=newest.uri, memory=256, ...)
pulumi.export("repository", repository)
pulumi.export("image_count", len(everything.images))
pulumi.export("newest_image_id", newest.id)
pulumi.export("newest_digest", newest.digest)
pulumi.export("newest_created_at", newest.created_at)
pulumi.export("newest_tags", newest.tags)
pulumi.export("image_uri", newest.uri)
pulumi.export("tag_uris", newest.tag_uris)
