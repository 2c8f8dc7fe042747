#!/bin/bash
pkgs=(git curl)
echo "${pkgs[0]}"
