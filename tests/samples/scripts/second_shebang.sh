#!/bin/bash
echo one
#!/bin/sh
echo two
