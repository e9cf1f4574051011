"""The model zoo: small, seeded-random models of the common architectures, proven by ``trtrepo check``."""
