"""The workflow engine layer: the only package that imports SpiffWorkflow."""
