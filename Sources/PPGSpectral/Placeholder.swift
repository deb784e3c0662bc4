enum _PlaceholderPPGSpectral {}
