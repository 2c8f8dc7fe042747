#!/bin/ash
source /etc/profile
echo ok
