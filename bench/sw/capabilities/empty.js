// Nothing: the baseline a standalone capability is measured over (the bundle wrapper).
