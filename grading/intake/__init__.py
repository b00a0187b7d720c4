"""Taking in a class: collecting submissions (folder, zip, LMS download), repairing them, scanning for tampering."""
