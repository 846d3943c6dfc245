/**
 * The interactive shell the proxy starts on the upstream host for a gated `shell` session, in a
 * state no decided line can change for the lines after it:
 *
 * - no rc or profile files (nothing of the account's own aliases, traps or prompt hooks);
 * - no line editing (`--noediting`): the proxy's own editor showed what is decided;
 * - history expansion off (`set +H`, and `histchars` emptied): `!!` or `^a^b` stay literal;
 * - alias expansion off and every alias removed;
 * - the prompt hooks `PROMPT_COMMAND`, `PS0`…`PS4` fixed and read-only (also `BASH_ENV`, `ENV`);
 * - the pty's line discipline without the characters that edit a line before the shell reads it
 *   (erase, kill, werase, reprint, lnext, discard, eol, eol2, quit, suspend) and without
 *   extended processing (`-iexten`); only Ctrl-C (interrupt) and Ctrl-D (end of input) keep
 *   their meaning. `PROMPT_COMMAND` re-applies these settings, turns history expansion off and
 *   removes every alias before every prompt, so a line that changed them cannot make the next
 *   decided line mean something else.
 *
 * The rc text reaches bash on descriptor 3 from a here-document, so nothing is written to the
 * host's disk; the descriptor is closed before the first prompt.
 */
const TTY_SETTINGS = 'stty -echo -iexten erase undef kill undef werase undef rprnt undef lnext undef discard undef eol undef eol2 undef quit undef susp undef intr ^C eof ^D 2>/dev/null';

const RC = [
  'set +H',
  'histchars=',
  'shopt -u expand_aliases',
  'unalias -a',
  'trap - DEBUG RETURN ERR',
  // Not `shopt -u expand_aliases` here: bash restores parser options after PROMPT_COMMAND, so
  // the aliases themselves are removed instead.
  `PROMPT_COMMAND='builtin set +H; builtin unalias -a; command ${TTY_SETTINGS}'`,
  'PS0=',
  "PS1='\\$ '",
  "PS2='> '",
  "PS3='#? '",
  "PS4='+ '",
  'readonly PROMPT_COMMAND PS0 PS1 PS2 PS3 PS4 BASH_ENV ENV histchars',
  TTY_SETTINGS,
  'exec 3<&-',
].join('\n');

/** The default `--upstream-shell`: runs under the account's login shell as `$SHELL -c`. */
export const DEFAULT_UPSTREAM_SHELL = `exec bash --rcfile /dev/fd/3 --noprofile --noediting +H -i 3<<'GATEHOUSE_RC'\n${RC}\nGATEHOUSE_RC`;
