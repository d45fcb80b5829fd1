package main

import (
	ycr "github.com/pulumi-yc-registry/pulumi-yc-registry/sdk/go/ycregistry"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		repository := cfg.Require("repository") // <registry id>/<repository path>

		// A lookup (an invoke; Go names getImage LookupImage, as GetImage reads an Image resource's state): the image
		// the tag `latest` names now. Fails when no image or several match.
		latest, err := ycr.LookupImage(ctx, &ycr.LookupImageArgs{
			RepositoryName: pulumi.StringRef(repository),
			Tag:            pulumi.StringRef("latest"),
		})
		if err != nil {
			return err
		}

		// Adopt one image by its digest. Nothing is created; destroy deletes it and waits for the delete operation.
		previous, err := ycr.NewImage(ctx, "previous", &ycr.ImageArgs{
			RepositoryName: pulumi.String(repository),
			Digest:         pulumi.String(cfg.Require("previousDigest")),
			DeleteTimeout:  pulumi.Float64(600),
		})
		if err != nil {
			return err
		}

		// Changes nothing while it exists; destroy deletes every image of the repository that no rule keeps:
		// tags matching `latest` are kept, and of the images with a `v...` tag the newest 2.
		cleanup, err := ycr.NewImageCleanup(ctx, "old-images", &ycr.ImageCleanupArgs{
			RepositoryName: pulumi.String(repository),
			KeepTags:       pulumi.StringArray{pulumi.String("latest")},
			KeepRules: ycr.KeepRuleArray{
				ycr.KeepRuleArgs{TagPattern: pulumi.String("v.*"), KeepLast: pulumi.Int(2)},
			},
		})
		if err != nil {
			return err
		}

		ctx.Export("latestUri", pulumi.String(latest.Uri))
		ctx.Export("latestTags", pulumi.ToStringArray(latest.Tags))
		ctx.Export("previousId", previous.ImageId)
		ctx.Export("previousTags", previous.Tags)
		ctx.Export("candidateCount", cleanup.CandidateCount) // what a destroy would delete now
		ctx.Export("candidateIds", cleanup.CandidateIds)
		return nil
	})
}
