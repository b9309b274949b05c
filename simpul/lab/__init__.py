"""The lab: a real NetBox, simulated SSH devices and Linux namespaces, all built from NetBox."""
