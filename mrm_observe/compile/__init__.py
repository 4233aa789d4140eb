"""Pure compilers: model in, plain dict out. No files, network, environment or clock."""
