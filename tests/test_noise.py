"""The real corpus's noise floor (audit.noise), hand-computed."""
