#!/opt/very-long-directory-name/very-long-directory-name/very-long-directory-name/very-long-directory-name/very-long-directory-name/very-long-directory-name/very-long-directory-name/very-long-directory-name/very-long-directory-name/very-long-directory-name/very-long-directory-name/bin/bash
echo "setting up"
cd /tmp || exit 1
echo "ready"
