#!/usr/bin/env bash
# The GoToSocial suite (tests/gotosocial/README.md).
#   Usage: tests/gotosocial/run.sh [--only NAME,NAME] [--list]
#   (GTS_ONLY=NAME,NAME does the same as --only.)
exec "$(dirname "$0")/../realservers/run.sh" gotosocial "$@"
