"""Taking in a class: collecting submissions (folder, zip, LMS download), repairing them, scanning them for tampering."""
