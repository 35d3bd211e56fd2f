// Cmdlets come with the module issue; this assembly already defines the module's root and its layout.
