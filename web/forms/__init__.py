"""WTForms forms of the web screens."""
