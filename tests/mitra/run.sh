#!/usr/bin/env bash
# The Mitra suite (tests/realservers/README.md).
#   Usage: tests/mitra/run.sh [--only NAME,NAME] [--list]   (or MITRA_ONLY=NAME,NAME)
exec "$(dirname "$0")/../realservers/run.sh" mitra "$@"
