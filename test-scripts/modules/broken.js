export function init(ctx) { let x = ; }
