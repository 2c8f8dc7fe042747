#!/bin/bash
set -e
echo "setting up"
