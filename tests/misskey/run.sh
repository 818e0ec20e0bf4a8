#!/usr/bin/env bash
# The Misskey suite (tests/realservers/README.md).
#   Usage: tests/misskey/run.sh [--only NAME,NAME] [--list]   (or MISSKEY_ONLY=NAME,NAME)
exec "$(dirname "$0")/../realservers/run.sh" misskey "$@"
