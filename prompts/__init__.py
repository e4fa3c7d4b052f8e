"""The built-in prompt templates (a package only so that they install with retest)."""
