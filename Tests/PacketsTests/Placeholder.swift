// tests land with their module
