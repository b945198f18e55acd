// Loads the Yew app. Kept in its own file so the content security policy
// needs no inline script.
import init from './groundgame_ui.js';
init();
