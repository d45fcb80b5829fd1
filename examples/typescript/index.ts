import * as pulumi from "@pulumi/pulumi";
import * as ycr from "@pulumi-yc-registry/yc-registry";

const config = new pulumi.Config();
const repository = config.require("repository");        // <registry id>/<repository path>

// A lookup (an invoke): the image the tag `latest` names now. Fails when no image or several match.
const latest = ycr.getImageOutput({ repositoryName: repository, tag: "latest" });

// Adopt one image by its digest. Nothing is created; destroy deletes it and waits for the delete operation.
const previous = new ycr.Image("previous", {
    repositoryName: repository,
    digest: config.require("previousDigest"),
    deleteTimeout: 600,
});

// Changes nothing while it exists; destroy deletes every image of the repository that no rule keeps:
// tags matching `latest` are kept, and of the images with a `v...` tag the newest 2.
const cleanup = new ycr.ImageCleanup("old-images", {
    repositoryName: repository,
    keepTags: ["latest"],
    keepRules: [{ tagPattern: "v.*", keepLast: 2 }],
});

export const latestUri = latest.uri;
export const latestTags = latest.tags;
export const previousId = previous.imageId;
export const previousTags = previous.tags;
export const candidateCount = cleanup.candidateCount;    // what a destroy would delete now
export const candidateIds = cleanup.candidateIds;
