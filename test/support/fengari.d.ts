/** The part of fengari (a Lua 5.3 VM in JavaScript, no type declarations of its own) the tests use. */
declare module 'fengari' {
  type LuaState = object;
  export const lua: {
    readonly LUA_OK: number;
    readonly LUA_MULTRET: number;
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_getglobal(L: LuaState, name: Uint8Array): number;
    lua_tojsstring(L: LuaState, index: number): string;
    lua_pop(L: LuaState, n: number): void;
  };
  export const lauxlib: {
    luaL_newstate(): LuaState;
    luaL_loadstring(L: LuaState, code: Uint8Array): number;
  };
  export const lualib: { luaL_openlibs(L: LuaState): void };
  export function to_luastring(text: string): Uint8Array;
}
