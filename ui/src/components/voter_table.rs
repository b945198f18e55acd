//! The voter list: one page, rendered as a table keyed by voter id.

use groundgame_domain::ipc::VoterRow;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct VoterTableProps {
    pub rows: Vec<VoterRow>,
    pub loading: bool,
    /// Opens a voter's detail.
    pub on_select: Callback<String>,
}

#[function_component(VoterTable)]
pub fn voter_table(props: &VoterTableProps) -> Html {
    html! {
        <div class={classes!("table-frame", props.loading.then_some("loading"))}>
            <table class="voter-table">
                <thead>
                    <tr>
                        <th scope="col">{ "Name" }</th>
                        <th scope="col">{ "Address" }</th>
                        <th scope="col">{ "City" }</th>
                        <th scope="col" class="num">{ "Age" }</th>
                        <th scope="col">{ "Party" }</th>
                        <th scope="col">{ "Precinct" }</th>
                        <th scope="col">{ "Voter id" }</th>
                    </tr>
                </thead>
                <tbody id="voter-rows">
                    { for props.rows.iter().map(|row| {
                        let voter_id = row.voter_id.as_str().to_owned();
                        let on_select = props.on_select.clone();
                        let open = Callback::from(move |_| on_select.emit(voter_id.clone()));
                        html! {
                        <tr class="voter-row" key={row.voter_id.as_str().to_owned()} onclick={open} tabindex="0">
                            <td class="name">{ &row.name }</td>
                            <td>
                                if row.address.is_empty() {
                                    <span class="withheld">{ "Address withheld" }</span>
                                } else {
                                    { &row.address }
                                }
                            </td>
                            <td>{ &row.city }</td>
                            <td class="num">{ row.age.map(|age| age.to_string()).unwrap_or_default() }</td>
                            <td><span class={classes!("party", row.party.code().to_ascii_lowercase())}>{ row.party.code() }</span></td>
                            <td>{ &row.precinct }</td>
                            <td class="voter-id">{ row.voter_id.as_str() }</td>
                        </tr>
                    }}) }
                </tbody>
            </table>
        </div>
    }
}
