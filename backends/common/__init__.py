"""Logic shared by the built-in backends, written once with the array module as a parameter."""
