"""Fleet benchmark for kaptain-gitops (`python -m bench`, `make bench`)."""
