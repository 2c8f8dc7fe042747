#!/bin/bash
echo last