"""See bench/settings.py: the production static storage, without following
source-map comments to files that are not shipped."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    def keep(pattern):
        return "sourceMappingURL" not in (pattern[0] if isinstance(pattern, tuple) else pattern)

    return tuple((extension, tuple(p for p in found if keep(p)))
                 for extension, found in patterns)


class StaticStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
