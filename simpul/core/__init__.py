"""The pure, typed domain core: no network, no disk, no clock."""
