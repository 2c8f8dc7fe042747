#!/bin/sh
set -e
if [[ -f /etc/os-release ]]; then
  echo "found"
fi
