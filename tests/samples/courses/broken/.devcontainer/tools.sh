#!/bin/bash
tools=(ruff black)
for t in "${tools[@]}"; do pip install --user "$t"; done
