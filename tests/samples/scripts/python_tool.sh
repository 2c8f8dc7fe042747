#!/usr/bin/env python3
x=(1, 2)
print(x)
