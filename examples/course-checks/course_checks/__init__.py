"""A course's own devdoctor checks: install this package beside devdoctor and they run too."""
