print("tlsdiag skeleton")
