# bash completion for ccag (generated; do not edit)
_ccag() {
  local cur path="" i w words
  cur="${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    case "${path:+$path }$w" in
      'serve') path='serve' ;;
      'migrate') path='migrate' ;;
      'login') path='login' ;;
      'logout') path='logout' ;;
      'status') path='status' ;;
      'keys') path='keys' ;;
      'keys create') path='keys create' ;;
      'keys list') path='keys list' ;;
      'keys show') path='keys show' ;;
      'keys revoke') path='keys revoke' ;;
      'keys rotate') path='keys rotate' ;;
      'users') path='users' ;;
      'users list') path='users list' ;;
      'users show') path='users show' ;;
      'users create') path='users create' ;;
      'users update') path='users update' ;;
      'users deactivate') path='users deactivate' ;;
      'users activate') path='users activate' ;;
      'teams') path='teams' ;;
      'teams create') path='teams create' ;;
      'teams list') path='teams list' ;;
      'teams show') path='teams show' ;;
      'teams update') path='teams update' ;;
      'teams delete') path='teams delete' ;;
      'teams members') path='teams members' ;;
      'teams add-member') path='teams add-member' ;;
      'teams remove-member') path='teams remove-member' ;;
      'models') path='models' ;;
      'models list') path='models list' ;;
      'models map') path='models map' ;;
      'models unmap') path='models unmap' ;;
      'models betas') path='models betas' ;;
      'models betas list') path='models betas list' ;;
      'models betas allow') path='models betas allow' ;;
      'models betas deny') path='models betas deny' ;;
      'models betas reset') path='models betas reset' ;;
      'pricing') path='pricing' ;;
      'pricing list') path='pricing list' ;;
      'pricing set') path='pricing set' ;;
      'pricing reset') path='pricing reset' ;;
      'pricing import') path='pricing import' ;;
      'spend') path='spend' ;;
      'audit') path='audit' ;;
      'emulator') path='emulator' ;;
      'completion') path='completion' ;;
    esac
  done
  case "$path" in
    '') words='serve migrate login logout status keys users teams models pricing spend audit emulator completion --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'serve') words='--host --port --database-url --data-dir --embedded-db --public-url --trusted-proxies --max-body --workers --region --bedrock-endpoint --upstream --bedrock-http --log-level --session-max-age --ping-interval --shutdown-timeout --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'migrate') words='--database-url --data-dir --log-level --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'login') words='--username --password-stdin --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'logout') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'status') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'keys') words='create list show revoke rotate --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'keys create') words='--name --user --team --expires --models --scope --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'keys list') words='--user --team --all --limit --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'keys show') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'keys revoke') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'keys rotate') words='--grace-period --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'users') words='list show create update deactivate activate --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'users list') words='--team --role --active --inactive --limit --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'users show') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'users create') words='--email --name --role --team --password-stdin --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'users update') words='--email --name --role --team --no-team --password-stdin --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'users deactivate') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'users activate') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'teams') words='create list show update delete members add-member remove-member --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'teams create') words='--description --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'teams list') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'teams show') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'teams update') words='--name --description --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'teams delete') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'teams members') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'teams add-member') words='--role --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'teams remove-member') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'models') words='list map unmap betas --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'models list') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'models map') words='--name --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'models unmap') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'models betas') words='list allow deny reset --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'models betas list') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'models betas allow') words='--model --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'models betas deny') words='--model --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'models betas reset') words='--model --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'pricing') words='list set reset import --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'pricing list') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'pricing set') words='--input --output --cache-read --cache-write-5m --cache-write-1h --regional-uplift --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'pricing reset') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'pricing import') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'spend') words='--by --since --user --team --model --csv --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'audit') words='--since --action --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'emulator') words='--port --host --region --version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
    'completion') words='--version --gateway --token --profile --json --quiet --no-color --yes --verbose -v' ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _ccag ccag
